/**
 * One-click links already used, by link id, until they expire anyway. In memory: after a restart a
 * used link still cannot answer twice, because its question is answered already (the run refuses).
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
