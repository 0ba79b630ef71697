//! Splitting the O(N) cryptographic work of large commits and joins over two
//! threads (RFC 9420 §12.4.3.1 makes a joiner verify every leaf signature;
//! a commit adding N members verifies 2N KeyPackage signatures (§10.1) and
//! seals N GroupSecrets (§12.4.3.1)).
//!
//! [`run_chunked`] runs a "side" job on the calling thread while a second
//! thread starts on the items; both then take the remaining items in
//! shrinking chunks (guided self-scheduling: each grab takes a quarter of
//! what is left, at least `min_chunk`). So the serial work of the caller
//! overlaps the parallel work, and a thread slowed by another process on
//! its core takes fewer chunks instead of holding the other one up, as a
//! fixed split in halves would.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::error::Result;
use crate::Error;

/// The next chunk of `len` items from the shared cursor, or `None` when
/// all are taken (or `stop` is set).
fn grab(
    next: &AtomicUsize,
    len: usize,
    min_chunk: usize,
    stop: &AtomicBool,
) -> Option<(usize, usize)> {
    let mut start = next.load(Ordering::Relaxed);
    loop {
        if start >= len || stop.load(Ordering::Relaxed) {
            return None;
        }
        let left = len - start;
        let size = (left / 4).max(min_chunk).min(left);
        match next.compare_exchange_weak(start, start + size, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => return Some((start, start + size)),
            Err(now) => start = now,
        }
    }
}

/// Takes chunks until none is left, running `work` on each; a failing chunk
/// stops every thread from taking more. Returns (chunk start, result) pairs.
fn take_chunks<T, R>(
    items: &[T],
    min_chunk: usize,
    next: &AtomicUsize,
    stop: &AtomicBool,
    work: &(impl Fn(usize, &[T]) -> Result<R> + Sync),
) -> Vec<(usize, Result<R>)> {
    let mut out = Vec::new();
    while let Some((start, end)) = grab(next, items.len(), min_chunk, stop) {
        let r = match items.get(start..end) {
            Some(chunk) => work(start, chunk),
            None => Err(Error::Internal("a work chunk out of range")),
        };
        if r.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        out.push((start, r));
    }
    out
}

/// Runs `side` on this thread while `work` runs over `items` in chunks on a
/// second thread, which this one joins once `side` is done. `work` gets the
/// chunk's offset in `items` and the chunk.
///
/// Returns the chunks' results in item order and `side`'s result. Errors
/// come in a fixed order whatever the scheduling: `side`'s error first (the
/// item work is then cut short), then the error of the chunk that comes
/// first in `items` (the chunks are taken in order, so every chunk before a
/// failing one has run). With fewer than `2 * min_chunk` items no thread is
/// started: `side`, then `work` over all items.
pub(crate) fn run_chunked<T, R, S>(
    items: &[T],
    min_chunk: usize,
    work: impl Fn(usize, &[T]) -> Result<R> + Sync,
    side: impl FnOnce() -> Result<S>,
) -> Result<(Vec<R>, S)>
where
    T: Sync,
    R: Send,
{
    let min_chunk = min_chunk.max(1);
    if items.len() < 2 * min_chunk {
        let s = side()?;
        let r = if items.is_empty() {
            Vec::new()
        } else {
            vec![work(0, items)?]
        };
        return Ok((r, s));
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (side_result, mine, theirs) = std::thread::scope(|scope| {
        let handle = scope.spawn(|| take_chunks(items, min_chunk, &next, &stop, &work));
        let side_result = side();
        if side_result.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        let mine = take_chunks(items, min_chunk, &next, &stop, &work);
        let theirs = handle
            .join()
            .unwrap_or_else(|_| vec![(0, Err(Error::Internal("a worker thread panicked")))]);
        (side_result, mine, theirs)
    });
    let s = side_result?;
    let mut all = mine;
    all.extend(theirs);
    all.sort_by_key(|(start, _)| *start);
    let results = all
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Result<Vec<R>>>()?;
    Ok((results, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProtocolError;

    #[test]
    fn results_come_in_item_order_and_cover_every_item() {
        let items: Vec<u32> = (0..10_000).collect();
        let (chunks, side) = run_chunked(
            &items,
            16,
            |start, chunk| {
                assert_eq!(chunk.first().copied(), u32::try_from(start).ok());
                Ok(chunk.to_vec())
            },
            || Ok(7),
        )
        .unwrap();
        assert_eq!(side, 7);
        assert!(
            chunks.len() > 2,
            "the work was split: {} chunks",
            chunks.len()
        );
        let flat: Vec<u32> = chunks.into_iter().flatten().collect();
        assert_eq!(flat, items);
    }

    #[test]
    fn few_items_run_on_the_calling_thread() {
        let items = [1u8, 2, 3];
        let caller = std::thread::current().id();
        let (chunks, ()) = run_chunked(
            &items,
            8,
            |_, chunk| {
                assert_eq!(std::thread::current().id(), caller);
                Ok(chunk.len())
            },
            || Ok(()),
        )
        .unwrap();
        assert_eq!(chunks, vec![3]);
        let (none, ()) = run_chunked(&[] as &[u8], 8, |_, c| Ok(c.len()), || Ok(())).unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn the_first_failing_item_is_reported_whatever_the_scheduling() {
        let items: Vec<u32> = (0..5_000).collect();
        for _ in 0..20 {
            let err = run_chunked(
                &items,
                8,
                |_, chunk| match chunk.iter().find(|&&i| i == 1234 || i == 4000) {
                    Some(&i) => Err(ProtocolError::InvalidLeafSignature { leaf: i }.into()),
                    None => Ok(()),
                },
                || Ok(()),
            )
            .unwrap_err();
            assert!(matches!(
                err,
                Error::Protocol(ProtocolError::InvalidLeafSignature { leaf: 1234 })
            ));
        }
    }

    #[test]
    fn a_side_error_wins_over_item_errors() {
        let items: Vec<u32> = (0..1_000).collect();
        let err = run_chunked(
            &items,
            8,
            |_, _| -> Result<()> { Err(ProtocolError::InvalidLeafSignature { leaf: 0 }.into()) },
            || -> Result<()> { Err(ProtocolError::TreeHashMismatch.into()) },
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::Protocol(ProtocolError::TreeHashMismatch)
        ));
    }
}
