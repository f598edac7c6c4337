restart:
  module.run:
    - name: service.restart
    - m_name: ssh
