base:
  '*':
    - deploy
