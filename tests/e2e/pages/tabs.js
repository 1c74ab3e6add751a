// Test page: profile only (no collector), so the test sees the profile writes alone.
attune.init({ autocapture: false });
