users:
  admin: alice
  ops: bob
