import type { Note, PipedriveApi } from '../pipedrive/types.js';
import { createOnce } from './create-once.js';
import type { CallContext, PipedriveGateway } from './pipedrive-gateway.js';

export interface NoteWriterOptions {
  api: PipedriveApi;
  gateway: PipedriveGateway;
  /** Extra tries of `POST /v1/notes` whose outcome is unknown (each preceded by a look). */
  createRetries: number;
}

/**
 * Adds a lead's note exactly once, the way {@link LeadWriter} adds the lead: the processor
 * records an intent (`checkpoint.noteIntentAt`) before {@link create}; a later attempt that finds
 * the intent without a note id calls {@link findExisting} first, which lists the lead's notes
 * (`GET /v1/notes?lead_id=…`, 20 tokens) and matches the text. The lead is minutes old and made
 * by this import, so a note on it with the same text is ours.
 */
export class NoteWriter {
  constructor(private readonly options: NoteWriterOptions) {}

  async findExisting(leadId: string, content: string, ctx: CallContext): Promise<Note | undefined> {
    const { api, gateway } = this.options;
    const page = await gateway.call('notes.list', ctx, (o) =>
      api.listNotes({ lead_id: leadId, limit: 500 }, o),
    );
    const wanted = plainText(content);
    return page.items.find((n) => n.lead_id === leadId && plainText(n.content ?? '') === wanted);
  }

  /**
   * Sends `POST /v1/notes`; after a failure whose outcome is unknown, looks before re-sending.
   * `onNotCreated` is told when an answer proves nothing was created (the intent can go).
   */
  async create(
    leadId: string,
    content: string,
    ctx: CallContext,
    onNotCreated: () => Promise<void>,
  ): Promise<Note> {
    const { api, gateway } = this.options;
    return createOnce({
      send: () =>
        gateway.call('notes.add', ctx, (o) => api.addNote({ content, lead_id: leadId }, o), { retry: false }),
      find: () => this.findExisting(leadId, content, ctx),
      onNotCreated,
      retries: this.options.createRetries,
      gateway,
      ctx,
    });
  }
}

/**
 * Note text as a reader sees it: Pipedrive sanitises the HTML it stores (`<br>` may come back as
 * `<br />`, entities re-encoded), so notes are compared without markup, entities or spacing.
 */
export function plainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
