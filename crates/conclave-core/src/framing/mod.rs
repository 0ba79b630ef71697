//! Message framing and protection (RFC 9420 §6): FramedContent, signing,
//! membership tags, PrivateMessage encryption and the unprotect pipeline.
