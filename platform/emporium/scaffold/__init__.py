"""``emporium scaffold``: a new plugin's source, generated from the
cookiecutter template in ``template/`` (shipped with the package, so an
installed Emporium scaffolds without a checkout or a network)."""
