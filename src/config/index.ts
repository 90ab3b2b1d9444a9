// config/ for the layers above: control files in, validated Program objects out.
export * from './program.js';
export { loadControlFile, parseControlText, detectFormat, type ControlFormat } from './load.js';
export { splitCommand, splitErrorColumn, joinCommand, quoteArg, SplitError } from './split.js';
export { parseDuration, parseSize, formatDuration, formatSize } from './units.js';
export { parseSignal, signalName, SIGNALS, type Signal } from './signals.js';
export { cronShapeError, timeZoneError } from './read-schedule.js';
export type { ProgramSpec } from './spec.js';
