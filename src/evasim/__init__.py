"""evasim: a digital twin of ISS spacewalks."""
