import { join } from 'node:path';

/** The built `hkd` CLI, for tests that need it in a process of its own (signals, exit codes, stdin). */
export const HKD_BIN = join(__dirname, '..', '..', 'bin', 'hkd.cjs');
