import './zod-config.ts';
import './theme.css';
import './components/app-shell.ts';
