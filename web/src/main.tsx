import '@mantine/core/styles.css';
import './shell.css';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { EmbedApp } from './embed/EmbedApp.js';

// An embed link (/embed/<token>/…) runs the embedded app under that prefix; anything else, the standalone one.
const embed = /^\/embed\/([^/]+)/.exec(window.location.pathname);
let token: string | null = null;
try {
  token = embed ? decodeURIComponent(embed[1]!) : null;
} catch {
  token = embed?.[1] ?? null;
}

createRoot(document.getElementById('root')!).render(token !== null && embed ? <EmbedApp token={token} basename={embed[0]} /> : <App />);
