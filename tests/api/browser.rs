//! Browser tests (headless Chromium over WebDriver).
