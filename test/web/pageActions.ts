// What the browser tests do to the page (web/), shared by test/web/browserClient.test.ts (CI, test preset) and
// test/slow/browserSecure.slow.test.ts (secure preset): read what it shows, wait until it is idle, click a control.
import type { Page } from './cdp.js';

/** What the page shows: its log, the progress texts and the notices (for failure messages). */
export const pageState = (page: Page): Promise<string> =>
  page.evaluate<string>(`[...document.querySelectorAll('#log li, .bars span, #notices p')].map((e) => e.textContent).join('\\n')`).catch((e: unknown) => String(e));

/** Waits until the page is idle again (polling every `everyMs`); an error notice on the page fails at once with its text. */
export async function idle(page: Page, timeoutMs: number, what: string, everyMs = 200): Promise<void> {
  try {
    await page.waitFor<boolean>(`(() => {
      const e = document.querySelector('#notices .error');
      if (e) throw new Error(e.textContent);
      return document.body.dataset.state === 'idle';
    })()`, timeoutMs, what, everyMs);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\nthe page shows:\n${await pageState(page)}`);
  }
}

/** Clicks the control with this id; refuses a missing or disabled one. */
export const click = (page: Page, id: string): Promise<void> => page.evaluate<void>(`(() => {
  const e = document.getElementById(${JSON.stringify(id)});
  if (!e) throw new Error('no #${id}');
  if (e.disabled) throw new Error('#${id} is disabled');
  e.click();
})()`);
