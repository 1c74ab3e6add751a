//! The pure core: everything Attune decides, with no knowledge of the browser.
