import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { Layout } from './components/Layout.js';
import { ErrorState, Loading } from './components/States.js';
import { LoginPage } from './pages/login/LoginPage.js';
import { EmbedEnded } from './pages/embed/EmbedPage.js';
import { credentials } from './api.js';
import { homeOf, may } from './roles.js';
import { Providers } from './providers.js';
import { prefetchUsage } from './pages/usage/firstScreen.js';
import { SessionProvider, useSessionQuery } from './session.js';

// Each page is its own chunk: the first page does not pay for charts it does not draw.
const CreditHistoryPage = lazy(() => import('./pages/credit-history/CreditHistoryPage.js'));
const GrantPage = lazy(() => import('./pages/credit-history/GrantPage.js'));
const UsagePage = lazy(() => import('./pages/usage/UsagePage.js'));
const PlanUsagePage = lazy(() => import('./pages/plan-usage/PlanUsagePage.js'));
const StatementsPage = lazy(() => import('./pages/statements/StatementsPage.js'));
const InvoicesPage = lazy(() => import('./pages/invoices/InvoicesPage.js'));
const AllocationsPage = lazy(() => import('./pages/allocations/AllocationsPage.js'));
const MyCreditsPage = lazy(() => import('./pages/my-credits/MyCreditsPage.js'));
const BillingPage = lazy(() => import('./pages/billing/BillingPage.js'));
const AuditPage = lazy(() => import('./pages/audit/AuditPage.js'));
const CostsPage = lazy(() => import('./pages/costs/CostsPage.js'));
const ApiKeysPage = lazy(() => import('./pages/api-keys/ApiKeysPage.js'));

/** The standalone dashboard (sign-in with a password). Embed links run EmbedApp instead (main.tsx). */
export function App() {
  return (
    <Providers>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="*" element={<SignedInApp />} />
        </Routes>
      </BrowserRouter>
    </Providers>
  );
}

export function SignedInApp() {
  const query = useSessionQuery();
  const location = useLocation();
  const client = useQueryClient();
  const signedIn = query.data;
  useEffect(() => {
    if (signedIn && may.oversee(signedIn.session.role) && location.pathname === '/usage') prefetchUsage(client, signedIn.session.org_id, signedIn.org.timezone);
  }, [signedIn, location.pathname, client]);
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorState error={query.error} />;
  // An embedded view has no sign-in page to fall back to: say what happened instead.
  if (!query.data && credentials.bearer) return <EmbedEnded />;
  if (!query.data) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  const home = homeOf(query.data.session.role);
  return (
    <SessionProvider value={query.data}>
      <Layout>
        <Suspense fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Navigate to={home} replace />} />
            <Route path="/credit-history" element={<CreditHistoryPage />} />
            <Route path="/credit-history/:grant" element={<GrantPage />} />
            <Route path="/usage" element={<UsagePage />} />
            <Route path="/costs" element={<CostsPage />} />
            <Route path="/plan-usage" element={<PlanUsagePage />} />
            <Route path="/statements" element={<StatementsPage />} />
            <Route path="/invoices" element={<InvoicesPage />} />
            <Route path="/allocations" element={<AllocationsPage />} />
            <Route path="/my-credits" element={<MyCreditsPage />} />
            <Route path="/billing" element={<Navigate to="/billing/alerts" replace />} />
            <Route path="/billing/:section" element={<BillingPage />} />
            <Route path="/audit" element={<AuditPage />} />
            <Route path="/api-keys" element={<ApiKeysPage />} />
            <Route path="*" element={<Navigate to={home} replace />} />
          </Routes>
        </Suspense>
      </Layout>
    </SessionProvider>
  );
}
