//! `tree-math.json`: the array-tree arithmetic of RFC 9420 Appendix C.

use conclave_core::tree::{NodeIndex, TreeSize};
use serde_json::Value;

use super::CaseResult;
use crate::hexjson::{array, check_eq, uint};

fn expected(arr: &[Value], i: usize, what: &str) -> Result<Option<u32>, String> {
    match arr.get(i) {
        Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|x| u32::try_from(x).ok())
            .map(Some)
            .ok_or_else(|| format!("{what}[{i}] is not a node index")),
        None => Err(format!("{what} has no entry {i}")),
    }
}

/// Checks node_width, root, and left/right/parent/sibling of every node.
pub fn run(case: &Value) -> CaseResult {
    let n_leaves = u32::try_from(uint(case, "n_leaves")?).map_err(|e| e.to_string())?;
    let n_nodes = uint(case, "n_nodes")?;
    let tree = TreeSize::new(n_leaves).ok_or_else(|| "n_leaves too large".to_string())?;
    check_eq("node_width", n_nodes, u64::from(tree.node_width()))?;
    check_eq("root", uint(case, "root")?, u64::from(tree.root().0))?;
    let (left, right, parent, sibling) = (
        array(case, "left")?,
        array(case, "right")?,
        array(case, "parent")?,
        array(case, "sibling")?,
    );
    for i in 0..tree.node_width() {
        let x = NodeIndex(i);
        let idx = i as usize;
        let got = |n: Option<NodeIndex>| n.map(|n| n.0);
        check_eq(
            &format!("left({i})"),
            expected(left, idx, "left")?,
            got(x.left()),
        )?;
        check_eq(
            &format!("right({i})"),
            expected(right, idx, "right")?,
            got(x.right()),
        )?;
        check_eq(
            &format!("parent({i})"),
            expected(parent, idx, "parent")?,
            got(tree.parent(x)),
        )?;
        check_eq(
            &format!("sibling({i})"),
            expected(sibling, idx, "sibling")?,
            got(tree.sibling(x)),
        )?;
    }
    Ok(())
}
