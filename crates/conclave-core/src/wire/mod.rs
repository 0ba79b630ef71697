//! The structs of RFC 9420 as plain data, with no behaviour. Each struct quotes
//! its presentation-language definition. Received values are decoded into these
//! types and checked by the modules that give them meaning.
