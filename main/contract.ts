// The one API contract every face shares: the desktop window (through the preload), browser mode
// (over a WebSocket) and the tests. Requests are validated against these schemas in the process
// that owns the store before anything runs. Its modules import nothing but zod and each other,
// so the renderer can import them too; this file gathers them under one import path.

export * from './contract/vocabulary';
export * from './contract/kd-methods';
export * from './contract/run-config';
export * from './contract/defaults';
export * from './contract/presets';
export * from './contract/wire';
export * from './contract/operations';
export * from './contract/ipc';
export * from './contract/sweeps';
export * from './contract/analyses';
export * from './contract/variants';
