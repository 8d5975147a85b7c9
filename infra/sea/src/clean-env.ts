/** @module Imported first by the single executable: NODE_OPTIONS leaves the environment before anything else runs. */

// The executable itself never reads NODE_OPTIONS (build.mjs blanks the key in the node binary, see
// lib/node-options.mjs). Dropping it here too keeps it from reaching anything this process starts
// (worker threads and child processes read it from the environment they inherit).
delete process.env.NODE_OPTIONS
