/** How a person types this CLI: `hitl` when installed (compiled JS), `npm run -s client --` in this repository (from source). */
export const CLI_INVOCATION = import.meta.url.endsWith('.ts') ? 'npm run -s client --' : 'hitl';
