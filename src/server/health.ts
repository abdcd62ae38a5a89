/**
 * Probes for a load balancer or Kubernetes, open to anyone and revealing nothing:
 *   GET /healthz  the process answers (liveness)
 *   GET /readyz   it also reaches Temporal within 2 s (readiness): a replica cut off from the
 *                 server is taken out of rotation instead of failing every page; 503 while shutting down
 */
import { Hono } from 'hono';
import type { Client } from '@temporalio/client';

const READY_DEADLINE_MS = 2_000;

export function healthRoutes(client: Client, closing: AbortSignal): Hono {
  const routes = new Hono();
  routes.get('/healthz', (c) => c.json({ ok: true }, 200, { 'cache-control': 'no-store' }));
  routes.get('/readyz', async (c) => {
    if (closing.aborted) return c.json({ ok: false, error: 'shutting down' }, 503, { 'cache-control': 'no-store' });
    try {
      await client.withDeadline(Date.now() + READY_DEADLINE_MS, () => client.workflowService.getSystemInfo({}));
      return c.json({ ok: true }, 200, { 'cache-control': 'no-store' });
    } catch {
      return c.json({ ok: false, error: 'Temporal is not reachable' }, 503, { 'cache-control': 'no-store' });
    }
  });
  return routes;
}
