apt:
  repositories:
    security:
      url: http://security.example.org
    updates:
      url: http://deb.example.org
      opts:
        trusted: 'yes'
        another: whatever
    backports:
      url: http://deb.example.org
