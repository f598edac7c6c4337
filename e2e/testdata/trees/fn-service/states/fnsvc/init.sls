running-start-enable:
  service.running:
    - name: fnsvc
    - enable: True

running-already:
  service.running:
    - name: cron

running-static-enable:
  service.running:
    - name: fnstatic
    - enable: True

running-start-fails:
  service.running:
    - name: fnfail

running-missing:
  service.running:
    - name: no-such-service

dead-stop-disable:
  service.dead:
    - name: fnstop
    - enable: False

dead-already:
  service.dead:
    - name: fnstatic-not-started
 
enabled-only:
  service.enabled:
    - name: fnwatch

disabled-already:
  service.disabled:
    - name: fnsvc-never
 
masked:
  service.masked:
    - name: fnmask

running-enable-fails:
  service.running:
    - name: fnalso
    - enable: True

watch-config:
  file.managed:
    - name: /etc/fnwatch.conf
    - contents: watched

running-watch-restart:
  service.running:
    - name: fnwatch
    - watch:
      - file: watch-config
