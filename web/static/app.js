// Connective KG: small progressive enhancements (no external scripts).
"use strict";
