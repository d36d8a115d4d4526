import nodemailer, { type Transporter } from 'nodemailer';
import type { AppContext } from '../../context.js';

export interface DeliveryOptions {
  /** SMTP server URL (TALLY_SMTP_URL); without it, emails stay in the outbox, not sent */
  smtpUrl?: string | undefined;
  /** the From address of Tally's emails */
  mailFrom?: string | undefined;
}

interface DeliverySettings {
  mailFrom: string;
  transport: Transporter | null;
}

// Settings hang off the app context so the default scheduler job finds them
// without the context knowing about delivery.
const settings = new WeakMap<AppContext, DeliverySettings>();

export function configureDelivery(ctx: AppContext, opts: DeliveryOptions): void {
  settings.set(ctx, {
    mailFrom: opts.mailFrom ?? 'Tally <tally@localhost>',
    transport: opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null,
  });
}

export function deliverySettings(ctx: AppContext): DeliverySettings {
  return settings.get(ctx) ?? { mailFrom: 'Tally <tally@localhost>', transport: null };
}

export function closeDelivery(ctx: AppContext): void {
  settings.get(ctx)?.transport?.close();
}
