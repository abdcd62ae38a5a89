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
} as const;
