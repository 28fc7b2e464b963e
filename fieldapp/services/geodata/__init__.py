"""Administrative regions: importing boundaries (`boundaries`), reading them (`regions`),
and the prepared village fences fixes are tested against (`fences`)."""
