//! The wasm module's allocator (wasm32 only): power-of-two size classes with
//! one free list each, carved from linear memory grown on demand.
//!
//! Why not talc or dlmalloc: both coalesce and split free blocks, which costs
//! about 3.3 K of code (≈ 1.3 K gzip); this costs a few hundred bytes. The
//! trade: a block is rounded up to a power of two (at most twice the bytes
//! asked for; `Vec` and `String` already grow by doubling), and a freed block
//! is only reused for its own class, never merged or returned to the host. The
//! engine's working set is bounded by its caps (profile, outbox), so what a
//! page holds stays bounded by the peak of each class.
//!
//! The module runs on one thread (the page's), so no lock is needed.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// Bytes in one page of wasm linear memory.
const PAGE: usize = 65536;
/// The smallest class (a free block holds the next pointer).
const MIN_CLASS: u32 = 3;
/// One class per power of two a 32-bit address space can hold.
const CLASSES: usize = 32;

/// The allocator's state: the free lists and the unused tail of the last grow.
struct State {
    /// Head of each class's free list (0 when empty); a free block's first
    /// word points to the next one.
    free: [usize; CLASSES],
    /// Start of the not yet carved memory.
    next: usize,
    /// End of the memory this allocator has grown.
    end: usize,
}

/// The global allocator of the wasm build.
pub struct Classes(UnsafeCell<State>);

// SAFETY: wasm32-unknown-unknown without atomics is single-threaded.
unsafe impl Sync for Classes {}

impl Classes {
    /// An allocator that has not grown memory yet.
    pub const fn new() -> Self {
        Classes(UnsafeCell::new(State {
            free: [0; CLASSES],
            next: 0,
            end: 0,
        }))
    }
}

impl Default for Classes {
    fn default() -> Self {
        Self::new()
    }
}

/// The class of `layout`: log2 of the block size, `None` when it cannot be
/// served (over 2 GiB, or aligned to more than a page).
fn class_of(layout: Layout) -> Option<u32> {
    if layout.align() > PAGE {
        return None;
    }
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    let class = usize::BITS - (size - 1).leading_zeros();
    (class < CLASSES as u32).then_some(class)
}

/// Grows linear memory by `pages`; the old size in pages, or `usize::MAX`.
#[cfg(target_arch = "wasm32")]
fn grow(pages: usize) -> usize {
    core::arch::wasm32::memory_grow(0, pages)
}

#[cfg(not(target_arch = "wasm32"))]
fn grow(_pages: usize) -> usize {
    usize::MAX
}

/// Where a block of `size` bytes starts when carved at `next`: aligned to its
/// size (to a page for larger ones), `None` when it would pass `end`.
fn fit(next: usize, end: usize, size: usize) -> Option<usize> {
    let mask = size.min(PAGE) - 1;
    let start = next.checked_add(mask)? & !mask;
    (start.checked_add(size)? <= end).then_some(start)
}

impl State {
    /// A new block of `1 << class` bytes from the tail of grown memory
    /// (growing it as needed); null when memory is exhausted.
    #[inline(never)]
    fn carve(&mut self, class: u32) -> *mut u8 {
        let size = 1usize << class;
        let start = match fit(self.next, self.end, size) {
            Some(start) => start,
            None => {
                // Room for the block and the worst alignment gap before it.
                let pages = (size + PAGE).div_ceil(PAGE);
                let old = grow(pages);
                let Some(base) = old.checked_mul(PAGE) else {
                    return null_mut();
                };
                if base != self.end {
                    // Memory was grown by someone else: start a fresh tail.
                    self.next = base;
                }
                let Some(end) = base.checked_add(pages * PAGE) else {
                    return null_mut();
                };
                self.end = end;
                match fit(self.next, self.end, size) {
                    Some(start) => start,
                    None => return null_mut(),
                }
            }
        };
        self.next = start + size;
        start as *mut u8
    }
}

unsafe impl GlobalAlloc for Classes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else {
            return null_mut();
        };
        // SAFETY: single-threaded, and no reference to the state outlives this call.
        let s = unsafe { &mut *self.0.get() };
        let head = s.free[class as usize];
        if head != 0 {
            // SAFETY: `head` is a free block of this class; its first word is the next one.
            s.free[class as usize] = unsafe { *(head as *const usize) };
            return head as *mut u8;
        }
        s.carve(class)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(class) = class_of(layout) {
            // SAFETY: as in `alloc`; `ptr` is a block of this class, no longer in use.
            let s = unsafe { &mut *self.0.get() };
            unsafe { *(ptr as *mut usize) = s.free[class as usize] };
            s.free[class as usize] = ptr as usize;
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` with `layout.align()` is a valid layout.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class_of(layout) == class_of(new) {
            return ptr;
        }
        // SAFETY: as `GlobalAlloc::realloc` requires of its default.
        unsafe {
            let out = self.alloc(new);
            if !out.is_null() {
                core::ptr::copy_nonoverlapping(ptr, out, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_up_to_powers_of_two() {
        let c = |size, align| Layout::from_size_align(size, align).ok().and_then(class_of);
        assert_eq!(c(1, 1), Some(3));
        assert_eq!(c(8, 1), Some(3));
        assert_eq!(c(9, 1), Some(4));
        assert_eq!(c(4, 16), Some(4));
        assert_eq!(c(65536, 8), Some(16));
        assert_eq!(c(65537, 8), Some(17));
        assert_eq!(c(8, 2 * PAGE), None);
    }

    #[test]
    fn blocks_are_aligned_and_stay_within_the_grown_memory() {
        assert_eq!(fit(0, PAGE, 8), Some(0));
        assert_eq!(fit(9, PAGE, 8), Some(16));
        assert_eq!(fit(9, PAGE, 4096), Some(4096));
        assert_eq!(fit(PAGE - 8, PAGE, 16), None);
        assert_eq!(fit(8, 4 * PAGE, 2 * PAGE), Some(PAGE));
        assert_eq!(fit(usize::MAX - 3, usize::MAX, 8), None);
    }

    #[test]
    fn without_memory_to_grow_allocation_fails_cleanly() {
        let a = Classes::new();
        let layout = Layout::from_size_align(24, 8).ok();
        let p = layout.map(|l| unsafe { a.alloc(l) });
        assert_eq!(p, Some(null_mut()));
    }
}
