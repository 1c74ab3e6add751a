//! The thin web layer: binds the pure core to the browser and Node.
