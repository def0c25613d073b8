/**
 * A person's hands on the sandbox page (playwright-core): pick who you are, type, click buttons in cards, fill
 * their forms, read toasts — only through what the page shows. Shared by the browser test and the screenshots script.
 */
import type { Locator, Page } from 'playwright-core';

const WAIT_MS = 60_000;

/** A tiny PNG (1×1, white): the "photo" an inspector sends. */
export const SAMPLE_PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC',
  'base64',
);

export class SandboxPage {
  constructor(readonly page: Page) {}

  /** On a phone the people are behind "‹ 身份"; on a desktop they are beside the chat. */
  async isNarrow(): Promise<boolean> {
    return (this.page.viewportSize()?.width ?? 1280) <= 760;
  }

  async openPeople(): Promise<void> {
    if ((await this.isNarrow()) && !(await this.page.locator('#people-list').isVisible())) await this.page.locator('#open-people').click();
    await this.page.locator('#people-list').waitFor({ state: 'visible', timeout: WAIT_MS });
  }

  person(openId: string): Locator {
    return this.page.locator(`#people-list .person[data-open-id="${openId}"]`);
  }

  /** The unread badge of a person in the switcher (0 when none is shown). */
  async unread(openId: string): Promise<number> {
    const badge = this.person(openId).locator('.badge');
    return (await badge.count()) === 0 ? 0 : Number(await badge.textContent());
  }

  /** Waits until the switcher shows unread messages for this person. */
  async waitForUnread(openId: string): Promise<number> {
    await this.person(openId).locator('.badge').waitFor({ state: 'visible', timeout: WAIT_MS });
    return this.unread(openId);
  }

  async choose(openId: string): Promise<void> {
    await this.openPeople();
    await this.person(openId).click();
    await this.page.locator('#messages').waitFor({ state: 'visible', timeout: WAIT_MS });
    await this.page.locator(`#people-list .person.active[data-open-id="${openId}"]`).waitFor({ state: 'attached', timeout: WAIT_MS });
  }

  async whoAmI(): Promise<string> {
    return (await this.page.locator('#chat-sub').textContent()) ?? '';
  }

  async send(text: string): Promise<void> {
    await this.page.locator('#text').fill(text);
    await this.page.locator('#send').click();
    await this.page.locator('.msg-user .bubble', { hasText: text }).last().waitFor({ timeout: WAIT_MS });
  }

  async sendPhoto(name = '现场照片.png', data = SAMPLE_PHOTO): Promise<void> {
    await this.page.locator('#attach-btn').click();
    const chooser = this.page.waitForEvent('filechooser', { timeout: WAIT_MS });
    await this.page.locator('[data-attach="image"]').click();
    await (await chooser).setFiles({ name, mimeType: 'image/png', buffer: data });
    await this.page.locator('.msg-user.msg-image').last().waitFor({ timeout: WAIT_MS });
  }

  /** The latest card showing all these texts (waits for it), pinned to its message. */
  async card(...texts: string[]): Promise<Locator> {
    let cards = this.page.locator('.msg-card');
    for (const t of texts) cards = cards.filter({ hasText: t });
    const card = cards.last();
    await card.waitFor({ timeout: WAIT_MS });
    const id = await card.getAttribute('data-message-id');
    return this.page.locator(`.msg[data-message-id="${id}"]`);
  }

  button(card: Locator, text: string): Locator {
    return card.getByRole('button', { name: text, exact: true });
  }

  async fill(card: Locator, field: string, value: string): Promise<void> {
    await card.locator(`[data-field="${field}"]`).fill(value);
  }

  /** Clicks a card button and waits until the card is replaced in place (the callback's answer). */
  async clickReplacing(card: Locator, text: string): Promise<Locator> {
    const id = await card.getAttribute('data-message-id');
    const version = Number(await card.getAttribute('data-version'));
    await this.button(card, text).click();
    // any later version: the callback's own card and a patch sent right after it can both land before we look, and
    // waiting for exactly version + 1 would then never end (evaluated in the page, which re-renders the message)
    await this.page.waitForFunction(
      `Number(document.querySelector('.msg[data-message-id="${id}"]')?.getAttribute('data-version')) > ${version}`,
      undefined,
      { timeout: WAIT_MS },
    );
    return this.page.locator(`.msg[data-message-id="${id}"]`);
  }

  /** Waits for a toast with this text and returns its text. */
  async toast(text: string): Promise<string> {
    const t = this.page.locator('.toast', { hasText: text }).last();
    await t.waitFor({ timeout: WAIT_MS });
    return (await t.textContent()) ?? '';
  }

  async unsupportedCount(): Promise<number> {
    return this.page.locator('.fc-unsupported').count();
  }
}
