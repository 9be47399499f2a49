//! `wscore.MemoryBudget`: core's shared budget for partly received messages,
//! handed to many connections through their `memory_budget=` keyword.

use pyo3::prelude::*;

/// A limit on the bytes of partly received messages, shared by every
/// connection given it (``memory_budget=``). A connection that cannot draw
/// from it fails with close code 1013 (try again later). Each connection holds
/// up to ``allowance`` bytes of a message (64 KiB by default) without drawing,
/// so small messages are served even while large ones use the budget up.
#[pyclass(module = "wscore", name = "MemoryBudget", frozen)]
pub(crate) struct MemoryBudget {
    pub(crate) inner: wscore::MemoryBudget,
}

#[pymethods]
impl MemoryBudget {
    #[new]
    #[pyo3(signature = (limit, *, allowance = wscore::DEFAULT_ALLOWANCE))]
    fn new(limit: usize, allowance: usize) -> Self {
        MemoryBudget {
            inner: wscore::MemoryBudget::with_allowance(limit, allowance),
        }
    }

    /// Bytes of a message each connection holds without drawing.
    #[getter]
    fn allowance(&self) -> usize {
        self.inner.allowance()
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
            "MemoryBudget(limit={}, allowance={}, used={})",
            self.inner.limit(),
            self.inner.allowance(),
            self.inner.used()
        )
    }
}
