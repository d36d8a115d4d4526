/**
 * The HTTP side of the one error path: a code's status comes with the code
 * (src/errors.ts); src/http/server.ts turns a TallyError into the SPEC §4
 * envelope and src/http/openapi.ts lists each route's error responses.
 * Everything is re-exported so HTTP code keeps one import.
 */
export * from '../errors.js';
