/** The built-in tools' bodies (activity half). Registered in the worker; never in the workflow bundle. */
export { fileTools as exampleTools } from './files/implementations.js';
