/**
 * One-click links already used through this replica, by link id, until they expire anyway: only a
 * fast path for two clicks at once here. What makes a link single-use everywhere (another replica,
 * after a restart) is the run: a question answered already takes no answer, and app.ts says who
 * answered it.
 */
export class UsedLinks {
  private readonly used = new Map<string, number>();

  /** Marks the link used; false when it was used already. */
  claim(linkId: string, expiresAt: number, now = Date.now()): boolean {
    for (const [id, expiry] of this.used) if (expiry <= now) this.used.delete(id);
    if (this.used.has(linkId)) return false;
    this.used.set(linkId, expiresAt);
    return true;
  }

  has(linkId: string): boolean {
    return this.used.has(linkId);
  }
}
