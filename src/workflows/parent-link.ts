/**
 * The sub-agent side of a call: a run started by another run's tool call tells its caller what it
 * waits for (its own questions and its sub-agents', each with the path down to it) and how it
 * ended. A caller that is gone is not this run's problem.
 */
import { getExternalWorkflowHandle, workflowInfo } from '@temporalio/workflow';
import type { Interrupt, PathStep } from '../agent/interrupts.js';
import { fitJson } from '../agent/payload-budget.js';
import { subAgentFinishedSignal, subAgentWaitingSignal, type ParentLink, type SubAgentFinished } from './sub-agent-messages.js';

/** A report is small: the questions and previews of their inputs. */
const REPORT_BUDGET = 256 * 1024;

export interface ParentReports {
  /** This run's own questions as the caller and the inbox show them: with the path down to this run. */
  withPath(questions: readonly Interrupt[]): Interrupt[];
  /** The lineage handed to this run's own sub-agents. */
  lineage: PathStep[];
  /** The way down from the top run to this one (absent for a top run). */
  path?: PathStep[];
  waiting(pending: Interrupt[]): void;
  finished(report: Omit<SubAgentFinished, 'childId'>): Promise<void>;
}

export function parentReports(parent: ParentLink | undefined, agent: string): ParentReports {
  const { workflowId } = workflowInfo();
  if (!parent) {
    return { withPath: (questions) => [...questions], lineage: [], waiting: () => {}, finished: async () => {} };
  }
  const lineage: PathStep[] = [...parent.lineage, { runId: parent.runId, agent: parent.agent, toolUseId: parent.toolUseId, tool: parent.tool }];
  const path: PathStep[] = [...lineage, { runId: workflowId, agent }];
  const caller = getExternalWorkflowHandle(parent.runId);
  let last = '';
  let reports = 0;
  return {
    lineage,
    path,
    withPath: (questions) => questions.map((question) => (question.path ? question : { ...question, path })),
    waiting(pending) {
      const report = fitJson({ childId: workflowId, pending }, REPORT_BUDGET);
      // Only changes are worth a signal in the caller's history.
      const text = JSON.stringify(report.pending);
      if (text === last) return;
      last = text;
      // Workflow time first: it keeps growing across this run's continue-as-new, where the count starts again.
      void caller.signal(subAgentWaitingSignal, { ...report, seq: [Date.now(), (reports += 1)] }).catch(() => undefined);
    },
    finished: (report) => caller.signal(subAgentFinishedSignal, fitJson({ childId: workflowId, ...report }, REPORT_BUDGET)).catch(() => undefined),
  };
}
