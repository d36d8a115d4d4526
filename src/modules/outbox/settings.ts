import nodemailer, { type Transporter } from 'nodemailer';

export interface DeliveryOptions {
  /** SMTP server URL (TALLY_SMTP_URL); without it, emails stay in the outbox, not sent */
  smtpUrl?: string | undefined;
  /** the From address of Tally's emails */
  mailFrom?: string | undefined;
}

/** The application context's mail provider (ctx.mail). */
export interface MailSettings {
  mailFrom: string;
  transport: Transporter | null;
}

export function mailSettings(opts: DeliveryOptions): MailSettings {
  return {
    mailFrom: opts.mailFrom ?? 'Tally <tally@localhost>',
    transport: opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null,
  };
}
