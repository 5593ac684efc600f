import './theme.css';
import './components/app-shell.ts';
