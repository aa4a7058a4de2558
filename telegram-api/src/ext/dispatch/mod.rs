//! The ordered dispatch: the worker [`pool`], which runs one key's updates at a time and keys in
//! parallel, with the store's inbox writer and scan.

pub(super) mod pool;
