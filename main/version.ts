// Injected at build time would be nicer, but the core also runs unbundled under vitest.
export const APP_VERSION = '0.1.0';
