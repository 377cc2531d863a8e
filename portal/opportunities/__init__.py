"""Sales opportunities from the CRM: the deals reference requests support (issue 19)."""
