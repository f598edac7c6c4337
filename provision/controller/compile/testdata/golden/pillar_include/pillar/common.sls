include:
  - users
  - sub:
      key: nested:deep
users:
  admin: carol
