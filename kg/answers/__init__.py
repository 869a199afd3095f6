"""The documented answers pages and APIs give: who knows what (the expertise finder), how an
artefact spread (the trace), actor and network descriptions, search, VoID, and the named
queries for programs (their catalogue and answers)."""
