"""Every write of the consultations app, one module per part of the visit. Views, APIs, admin
actions and tasks call these; none of them writes models itself."""
