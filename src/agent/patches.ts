/**
 * Behaviour changes that runs started on older code must not see (Temporal patching): each id is
 * asked through `AgentRuntime.patched` at the point where behaviour differs. Runs that started
 * before a change replay the old way; new runs record a marker and take the new way. Remove an id
 * (with `deprecatePatch`) only once no run that started before it can still be open.
 */
export const PATCHES = {
  /** Tool-use ids that repeat or are missing are made unique per call (tool-use-ids.ts). */
  uniqueToolUseIds: 'unique-tool-use-ids',
  /** Interrupts that name approvers count only signed answers (proof.ts). */
  approverProof: 'approver-proof',
  /** An edited input goes through the approval policy again (approval/hook.ts). */
  editRecheck: 'edit-recheck',
  /** A run whose history grows too large while it waits continues as new, carrying its waits (loop.ts). */
  handOffWhileWaiting: 'hand-off-while-waiting',
  /** Interrupt names used twice by questions asked together are refused before anyone is asked (hooks.ts). */
  earlyDuplicateNames: 'early-duplicate-names',
  /** Hook events nobody listens to are skipped without creating promises (hooks.ts). */
  leanEvents: 'lean-events',
  /** The model activity gets only what changed since the run's last call (workflows/runtime.ts). */
  modelCallDelta: 'model-call-delta',
  /** People are told when a run waits for them (workflows/notifier.ts). */
  notifyPeople: 'notify-people',
  /** A run of a session tells it when it starts and stops waiting (workflows/agent-run.ts). */
  tellSessionWaiting: 'tell-session-waiting',
  /**
   * Answers are applied once the activation they arrive in has settled, whatever else it brought
   * (workflows/activation.ts): a run gives the same commands whether a worker saw an answer with
   * or after the event that raised its question.
   */
  answersAfterActivation: 'answers-after-activation',
  /** Questions carry a binding (run, execution, call and question digests) that answers must repeat (agent/binding.ts). */
  decisionBinding: 'decision-binding',
  /** A sub-agent watches its caller and ends when the caller closed without it (workflows/caller-watch.ts). */
  callerWatch: 'caller-watch',
  /** A caller keeps only the newest of a sub-agent's reports (workflows/sub-agents.ts). */
  orderedReports: 'ordered-reports',
  /** The callbacks of one hook event ask their questions together, in registration order (hooks.ts). */
  hooksAskTogether: 'hooks-ask-together',
  /** A call a hook changed after the approval policy judged it does not run (tool-calls.ts). */
  judgedCallHolds: 'judged-call-holds',
  /** Model tool-use ids that could collide in derived ids (`--`, separators) are replaced (tool-use-ids.ts). */
  safeToolUseIds: 'safe-tool-use-ids',
  /**
   * A waiting run keeps the inbox's search attributes (approvers, deadline, waiting since, question)
   * when the namespace has them (workflows/run-visibility.ts): its upserts carry more attributes.
   */
  inboxAttributes: 'inbox-attributes',
  /** A sub-agent this run started ends with its run's result, never with a report signal (workflows/sub-agents.ts). */
  childResults: 'child-results',
} as const;

/**
 * Every patch a run asks for costs it two history events (Temporal records a marker and upserts
 * the `TemporalChangeVersion` search attribute with it) and a visibility update. So runs since
 * this baseline ask only it, once at their start, and it stands for every patch in `folds`; runs
 * from before ask each patch as they did. The list is closed: a patch added later is asked on its
 * own until a later baseline folds it. (To find runs on a folded behaviour by search attribute,
 * look for the baseline's id too.)
 */
export interface PatchBaseline {
  id: string;
  folds: ReadonlySet<string>;
}

const BASELINE_1: PatchBaseline = {
  id: 'agent-run-baseline-1',
  folds: new Set<string>([
    PATCHES.uniqueToolUseIds,
    PATCHES.approverProof,
    PATCHES.editRecheck,
    PATCHES.handOffWhileWaiting,
    PATCHES.earlyDuplicateNames,
    PATCHES.leanEvents,
    PATCHES.modelCallDelta,
    PATCHES.notifyPeople,
    PATCHES.tellSessionWaiting,
  ]),
};

const BASELINE_2: PatchBaseline = {
  id: 'agent-run-baseline-2',
  folds: new Set<string>([
    ...BASELINE_1.folds,
    PATCHES.answersAfterActivation,
    PATCHES.decisionBinding,
    PATCHES.callerWatch,
    PATCHES.orderedReports,
    PATCHES.hooksAskTogether,
    PATCHES.judgedCallHolds,
    PATCHES.safeToolUseIds,
  ]),
};

/** The baseline new runs ask. */
export const PATCH_BASELINE: PatchBaseline = {
  id: 'agent-run-baseline-3',
  folds: new Set<string>([...BASELINE_2.folds, PATCHES.inboxAttributes, PATCHES.childResults]),
};

/** Every baseline, newest first: a run takes the first one its history has (new runs: the newest). */
export const PATCH_BASELINES: readonly PatchBaseline[] = [PATCH_BASELINE, BASELINE_2, BASELINE_1];
