# Modern short form: "ID: module.function", the id is the name.
UTC: timezone.system
