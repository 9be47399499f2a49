//! `wscore.MemoryBudget`: core's shared budget for partly received messages,
//! handed to many connections through their `memory_budget=` keyword.

use pyo3::prelude::*;

/// A limit on the bytes of partly received messages, shared by every
/// connection given it (``memory_budget=``). A connection that cannot draw
/// from it fails with close code 1013 (try again later).
#[pyclass(module = "wscore", name = "MemoryBudget", frozen)]
pub(crate) struct MemoryBudget {
    pub(crate) inner: wscore::MemoryBudget,
}

#[pymethods]
impl MemoryBudget {
    #[new]
    fn new(limit: usize) -> Self {
        MemoryBudget {
            inner: wscore::MemoryBudget::new(limit),
        }
    }

    /// The limit in bytes.
    #[getter]
    fn limit(&self) -> usize {
        self.inner.limit()
    }

    /// Bytes currently held by connections.
    #[getter]
    fn used(&self) -> usize {
        self.inner.used()
    }

    fn __repr__(&self) -> String {
        format!(
            "MemoryBudget(limit={}, used={})",
            self.inner.limit(),
            self.inner.used()
        )
    }
}
