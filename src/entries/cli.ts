#!/usr/bin/env node
// The `hitl` binary: the compiled CLI, run with plain node.
import '../client.js';
