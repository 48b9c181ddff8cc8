// Small C helpers for what Swift cannot reach directly.
#ifndef MMI_CSUPPORT_H
#define MMI_CSUPPORT_H

/// Asks glibc's malloc to keep freed large blocks for reuse instead of returning them
/// to the kernel: a training step frees and reallocates the same large tensors every
/// step, and each fresh page from the kernel costs a page fault and a zero-fill.
/// Returns 1 if the settings were applied (glibc), 0 otherwise.
int mmi_keep_freed_memory(void);

/// Returns the memory malloc keeps for reuse to the kernel (glibc's malloc_trim), so
/// that the resident size counts only what is in use. Returns 1 if memory was
/// released, 0 otherwise (or not glibc).
int mmi_return_freed_memory(void);

#endif
