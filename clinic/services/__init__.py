"""Every write of the clinic kernel. Views, APIs, admin actions, commands and tasks call these."""
