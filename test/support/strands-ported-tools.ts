/** Tool bodies of strands-ported-agents.ts (worker half), as Strands' test fixtures answer. */
import { implementTool } from '../../src/agent/definition.js';
import { askTimeTool, dayTool, timeTool, weatherTool } from './strands-ported-agents.js';

export const strandsPortedTools = [
  implementTool(timeTool, () => '12:00'),
  implementTool(weatherTool, () => 'sunny'),
  implementTool(askTimeTool, (_input, context) => String(context.interrupt({ name: 'test_interrupt', reason: 'need time' }))),
  implementTool(dayTool, (_input, context) => String(context.interrupt({ name: 'test_interrupt', reason: 'need day' }))),
];
