// Served live this stays null; `x07lp ui export` writes the state's reports here.
window.X07LP_EXPORT = null;
