export interface PaymentRequest {
  orgId: string;
  purchaseId: string;
  amount: bigint;
  priceUsd: bigint | null;
  origin: 'manual' | 'auto_recharge';
}

/**
 * Where a purchase's money comes from. `start` runs inside the transaction
 * that creates the purchase and must only record the intent (a card provider
 * would create a payment intent and return its id); the provider reports the
 * outcome later through confirm or fail. Nothing else in Tally knows which
 * provider is in use.
 */
export interface PaymentProvider {
  readonly name: string;
  start(request: PaymentRequest): Promise<{ reference: string | null }>;
}

/** The built-in provider: the platform operator confirms or fails each purchase through the API. */
export const manualProvider: PaymentProvider = {
  name: 'manual',
  start: async () => ({ reference: null }),
};
