/** One POST of a JSON body; anything but a 2xx answer (or no answer in time) is an error that says which. */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  const where = new URL(url).host;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`POST to ${where} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  // Drain the body so the connection is released.
  const text = await response.text().catch(() => '');
  if (!response.ok) throw new Error(`POST to ${where} answered HTTP ${response.status}${text ? `: ${text.slice(0, 200).replace(/\s+/g, ' ')}` : ''}`);
}
