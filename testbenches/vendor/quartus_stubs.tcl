# quartus_stubs.tcl: recording stand-ins for the Quartus Prime and Platform
# Designer Tcl commands, so that tomatl's quartus/ scripts run in a plain
# tclsh where Quartus is not installed. Nothing is compiled or generated:
# every command is written to a log (one `CMD name` line, then one
# `ARG value` line per argument), and the commands check what the real
# tools would refuse:
#
#  - the project commands need an open project (project_new);
#  - set_global_assignment takes only the assignment names below;
#  - add_fileset_file names a file that exists;
#  - add_interface_port names an interface created before, a role of its
#    kind and a direction;
#  - add_instance names a known IP (clock_source, altera_pll, altera_hps,
#    altera_msgdma) or a component whose *_hw.tcl in the current folder
#    declares that NAME (the component's interfaces are read by sourcing it
#    in a child interpreter with the same stubs);
#  - set_instance_parameter_value names an instance and a parameter of its
#    IP; add_connection names two instances and interfaces they have (the
#    IP's interfaces follow its parameters: the mSGDMA's MODE, the HPS's
#    bridges), a start and an end of compatible kinds, and streams of the
#    same width; set_connection_parameter_value names a connection;
#  - save_system refuses a clock or reset input left unconnected, and
#    writes the file it names (a placeholder, not a real .qsys).
#
# Usage: tclsh quartus_stubs.tcl <log> <script> [args...]
# The script's error (or a stub's refusal) ends tclsh with exit code 1.

package provide ::quartus::project 1.0
package provide ::quartus::flow 1.0
package provide qsys 16.1

set ::log [open [lindex $argv 0] w]
set ::script [lindex $argv 1]
set argv [lrange $argv 2 end]

proc record {cmd args} {
    puts $::log "CMD $cmd"
    foreach a $args {
        puts $::log "ARG $a"
    }
    flush $::log
}

proc refuse {msg} {
    puts $::log "ERROR $msg"
    flush $::log
    return -code error -level 2 "stub: $msg"
}

# ------------------------------------------------------------- Quartus

set ::project ""
set ::quartus_names {
    FAMILY DEVICE TOP_LEVEL_ENTITY PROJECT_OUTPUT_DIRECTORY QSYS_FILE QIP_FILE
    VERILOG_FILE SYSTEMVERILOG_FILE SDC_FILE SEARCH_PATH VERILOG_INPUT_VERSION
    ERROR_CHECK_FREQUENCY_DIVISOR NUM_PARALLEL_PROCESSORS
}
set ::instance_names {IO_STANDARD CURRENT_STRENGTH_NEW WEAK_PULL_UP_RESISTOR}

proc project_new {args} {
    record project_new {*}$args
    set ::project [lindex $args 0]
}
proc project_exists {args} {
    record project_exists {*}$args
    return 0
}
proc project_close {args} {
    record project_close {*}$args
    set ::project ""
}
proc need_project {what} {
    if {$::project eq ""} {
        refuse "$what without an open project (project_new first)"
    }
}
proc name_of {args} {
    set i [lsearch -exact $args -name]
    if {$i < 0} {
        return ""
    }
    return [lindex $args [expr {$i + 1}]]
}
proc set_global_assignment {args} {
    record set_global_assignment {*}$args
    need_project set_global_assignment
    set n [name_of {*}$args]
    if {[lsearch -exact $::quartus_names $n] < 0} {
        refuse "set_global_assignment: unknown assignment name `$n`"
    }
}
proc set_location_assignment {args} {
    record set_location_assignment {*}$args
    need_project set_location_assignment
    if {[llength $args] != 3 || [lindex $args 1] ne "-to" ||
        ![string match PIN_* [lindex $args 0]]} {
        refuse "set_location_assignment: expected `PIN_x -to port`, got `$args`"
    }
}
proc set_instance_assignment {args} {
    record set_instance_assignment {*}$args
    need_project set_instance_assignment
    set n [name_of {*}$args]
    if {[lsearch -exact $::instance_names $n] < 0} {
        refuse "set_instance_assignment: unknown assignment name `$n`"
    }
    if {[lsearch -exact $args -to] < 0} {
        refuse "set_instance_assignment: no -to"
    }
}
proc execute_flow {args} {
    record execute_flow {*}$args
    need_project execute_flow
}
proc export_assignments {args} {
    record export_assignments {*}$args
}

# ------------------------------------------------- component (_hw.tcl)

# Roles each interface kind has.
array set ::roles {
    clock {clk}
    reset {reset reset_n}
    axi4lite {awaddr awprot awvalid awready wdata wstrb wvalid wready bresp
              bvalid bready araddr arprot arvalid arready rdata rresp rvalid rready}
    avalon_streaming {data valid ready startofpacket endofpacket empty channel error}
    conduit {export}
    interrupt {irq}
}

set ::component_procs {
    set ::name ""
    array set ::ifkind {}
    array set ::ifdir {}
    array set ::ifwidth {}
    proc set_module_property {args} {
        record set_module_property {*}$args
        if {[lindex $args 0] eq "NAME"} {
            set ::name [lindex $args 1]
        }
    }
    proc set_module_assignment {args} { record set_module_assignment {*}$args }
    proc add_fileset {args} { record add_fileset {*}$args }
    proc set_fileset_property {args} { record set_fileset_property {*}$args }
    proc add_fileset_file {args} {
        record add_fileset_file {*}$args
        set i [lsearch -exact $args PATH]
        if {$i < 0} {
            refuse "add_fileset_file: no PATH"
        }
        set p [lindex $args [expr {$i + 1}]]
        if {![file isfile $p]} {
            refuse "add_fileset_file: `$p` does not exist"
        }
    }
    proc add_interface {args} {
        record add_interface {*}$args
        lassign $args n kind dir
        if {![info exists ::roles($kind)]} {
            refuse "add_interface $n: unknown kind `$kind`"
        }
        if {$dir ni {start end master slave source sink sender receiver}} {
            refuse "add_interface $n: unknown direction `$dir`"
        }
        set ::ifkind($n) $kind
        set ::ifdir($n) $dir
    }
    proc set_interface_property {args} {
        record set_interface_property {*}$args
        set n [lindex $args 0]
        if {![info exists ::ifkind($n)]} {
            refuse "set_interface_property: no interface `$n`"
        }
        if {[lindex $args 1] eq "associatedClock" || [lindex $args 1] eq "associatedReset"} {
            if {![info exists ::ifkind([lindex $args 2])]} {
                refuse "set_interface_property $n: no interface `[lindex $args 2]`"
            }
        }
    }
    proc add_interface_port {args} {
        record add_interface_port {*}$args
        lassign $args n port role dir width
        if {![info exists ::ifkind($n)]} {
            refuse "add_interface_port $port: no interface `$n`"
        }
        if {[lsearch -exact $::roles($::ifkind($n)) $role] < 0} {
            refuse "add_interface_port $port: `$role` is not a role of $::ifkind($n)"
        }
        if {$dir ni {Input Output Bidir}} {
            refuse "add_interface_port $port: direction `$dir`"
        }
        if {![string is integer -strict $width] || $width < 1} {
            refuse "add_interface_port $port: width `$width`"
        }
        if {$role eq "data"} {
            set ::ifwidth($n) $width
        }
    }
}

# ------------------------------------------------ system (qsys-script)

# Interfaces of the known IP: kind and direction, as functions of the
# instance's parameters (array ::param(<inst>,<name>)).
proc ip_interfaces {inst type} {
    set p [list]
    switch -- $type {
        clock_source {
            lappend p clk_in {clock end} clk_in_reset {reset end} \
                clk {clock start} clk_reset {reset start}
        }
        altera_pll {
            lappend p refclk {clock end} reset {reset end} \
                outclk0 {clock start} locked {conduit end}
        }
        altera_hps {
            lappend p memory {conduit end} h2f_reset {reset start}
            if {[param $inst LWH2F_Enable false] in {true 1}} {
                lappend p h2f_lw_axi_clock {clock end} h2f_lw_axi_master {axi start}
            }
            if {[param $inst S2F_Width 2] != 0} {
                lappend p h2f_axi_clock {clock end} h2f_axi_master {axi start}
            }
            if {[param $inst F2S_Width 2] != 0} {
                lappend p f2h_axi_clock {clock end} f2h_axi_slave {axi end}
            }
            set k 0
            foreach t [param $inst F2SDRAM_Type {}] {
                set kind [expr {[string match Avalon* $t] ? "avalon" : "axi"}]
                lappend p f2h_sdram${k}_clock {clock end} f2h_sdram${k}_data [list $kind end]
                incr k
            }
            if {[param $inst F2SINTERRUPT_Enable false] in {true 1}} {
                lappend p f2h_irq0 {interrupt start} f2h_irq1 {interrupt start}
            }
        }
        altera_msgdma {
            lappend p clock {clock end} reset {reset end} csr {avalon end} \
                descriptor_slave {avalon end} csr_irq {interrupt end}
            switch -- [param $inst MODE 0] {
                0 { lappend p mm_read {avalon start} mm_write {avalon start} }
                1 { lappend p mm_read {avalon start} st_source {avalon_streaming start} }
                2 { lappend p st_sink {avalon_streaming end} mm_write {avalon start} }
            }
            switch -- [param $inst RESPONSE_PORT 2] {
                0 { lappend p response {avalon end} }
                1 { lappend p response_source {avalon_streaming start} }
            }
        }
        default {
            foreach {n kd} $::component($type,interfaces) {
                lappend p $n $kd
            }
        }
    }
    return $p
}

# Parameters each known IP takes.
array set ::ip_params {
    clock_source {clockFrequency clockFrequencyKnown inputClockFrequency resetSynchronousEdges}
    altera_pll {gui_reference_clock_frequency gui_operation_mode gui_number_of_clocks
                gui_output_clock_frequency0 gui_use_locked gui_duty_cycle0 gui_phase_shift0}
    altera_hps {HPS_PROTOCOL MEM_CLK_FREQ MEM_IF_DQ_WIDTH MEM_IF_DQS_WIDTH
                MEM_IF_ROW_ADDR_WIDTH MEM_IF_COL_ADDR_WIDTH MEM_IF_BANKADDR_WIDTH
                MEM_IF_CS_WIDTH F2S_Width S2F_Width LWH2F_Enable F2SDRAM_Type
                F2SDRAM_Width F2SINTERRUPT_Enable}
    altera_msgdma {MODE DATA_WIDTH DATA_FIFO_DEPTH DESCRIPTOR_FIFO_DEPTH RESPONSE_PORT
                   MAX_BYTE TRANSFER_TYPE BURST_ENABLE MAX_BURST_COUNT PACKET_ENABLE
                   ERROR_ENABLE ERROR_WIDTH CHANNEL_ENABLE CHANNEL_WIDTH ENHANCED_FEATURES
                   STRIDE_ENABLE PROGRAMMABLE_BURST_ENABLE PREFETCHER_ENABLE}
}

set ::system ""
array set ::inst {}
array set ::param {}
array set ::conn {}
array set ::export {}

proc param {inst name default} {
    if {[info exists ::param($inst,$name)]} {
        return $::param($inst,$name)
    }
    return $default
}

# The components of the *_hw.tcl files here, by NAME.
proc load_components {} {
    if {[info exists ::components_loaded]} {
        return
    }
    set ::components_loaded 1
    foreach f [lsort [glob -nocomplain *_hw.tcl]] {
        set c [interp create]
        $c eval [list set ::log_path /dev/null]
        $c eval {set ::log [open $::log_path w]}
        $c eval [list proc record [info args record] [info body record]]
        $c eval [list proc refuse [info args refuse] [info body refuse]]
        $c eval [list array set ::roles [array get ::roles]]
        $c eval {package provide qsys 16.1}
        $c eval $::component_procs
        if {[catch {$c eval [list source $f]} e]} {
            interp delete $c
            refuse "component $f: $e"
        }
        set name [$c eval {set ::name}]
        set ifs [list]
        foreach n [$c eval {lsort [array names ::ifkind]}] {
            lappend ifs $n [list [$c eval [list set ::ifkind($n)]] [$c eval [list set ::ifdir($n)]]]
            if {[$c eval [list info exists ::ifwidth($n)]]} {
                set ::component($name,width,$n) [$c eval [list set ::ifwidth($n)]]
            }
        }
        set ::component($name,interfaces) $ifs
        interp delete $c
    }
}

proc create_system {args} {
    record create_system {*}$args
    set ::system [lindex $args 0]
}
proc set_project_property {args} {
    record set_project_property {*}$args
}
proc add_instance {args} {
    record add_instance {*}$args
    lassign $args n type
    if {$::system eq ""} {
        refuse "add_instance $n before create_system"
    }
    if {[info exists ::inst($n)]} {
        refuse "add_instance: `$n` exists"
    }
    if {![info exists ::ip_params($type)]} {
        load_components
        if {![info exists ::component($type,interfaces)]} {
            refuse "add_instance $n: no IP or component `$type` (no *_hw.tcl here declares it)"
        }
    }
    set ::inst($n) $type
}
proc set_instance_parameter_value {args} {
    record set_instance_parameter_value {*}$args
    lassign $args n name value
    if {![info exists ::inst($n)]} {
        refuse "set_instance_parameter_value: no instance `$n`"
    }
    set type $::inst($n)
    if {![info exists ::ip_params($type)] || [lsearch -exact $::ip_params($type) $name] < 0} {
        refuse "set_instance_parameter_value: $type has no parameter `$name`"
    }
    if {$type eq "altera_msgdma" && $name eq "DATA_WIDTH" &&
        $value ni {8 16 32 64 128 256 512 1024}} {
        refuse "altera_msgdma DATA_WIDTH $value"
    }
    if {$type eq "altera_msgdma" && $name eq "MODE" && $value ni {0 1 2}} {
        refuse "altera_msgdma MODE $value"
    }
    set ::param($n,$name) $value
}

# kind and direction of `inst.iface`
proc endpoint {ep} {
    set dot [string first . $ep]
    if {$dot < 0} {
        refuse "`$ep` is not instance.interface"
    }
    set n [string range $ep 0 [expr {$dot - 1}]]
    set i [string range $ep [expr {$dot + 1}] end]
    if {![info exists ::inst($n)]} {
        refuse "no instance `$n` (in `$ep`)"
    }
    set ifs [ip_interfaces $n $::inst($n)]
    if {![dict exists $ifs $i]} {
        refuse "$::inst($n) `$n` has no interface `$i` (it has: [dict keys $ifs])"
    }
    return [dict get $ifs $i]
}

proc stream_width {ep} {
    lassign [split $ep .] n i
    set type $::inst($n)
    if {$type eq "altera_msgdma"} {
        return [param $n DATA_WIDTH 32]
    }
    if {[info exists ::component($type,width,$i)]} {
        return $::component($type,width,$i)
    }
    return ""
}

proc add_connection {args} {
    record add_connection {*}$args
    if {[llength $args] == 1} {
        set args [split [lindex $args 0] /]
    }
    lassign $args a b
    lassign [endpoint $a] ka da
    lassign [endpoint $b] kb db
    if {$da ni {start master source} || $db ni {end slave sink}} {
        refuse "add_connection $a $b: from a $da to an $db (a start to an end)"
    }
    set mm {avalon axi axi4 axi4lite}
    if {!($ka eq $kb || ($ka in $mm && $kb in $mm))} {
        refuse "add_connection $a $b: a $ka to a $kb"
    }
    if {$ka eq "avalon_streaming"} {
        set wa [stream_width $a]
        set wb [stream_width $b]
        if {$wa ne "" && $wb ne "" && $wa != $wb} {
            refuse "add_connection $a $b: a $wa-bit stream into a $wb-bit one"
        }
    }
    set ::conn($a/$b) 1
    lappend ::connected($b) $a
    lappend ::connected($a) $b
}
proc set_connection_parameter_value {args} {
    record set_connection_parameter_value {*}$args
    set c [lindex $args 0]
    if {![info exists ::conn($c)]} {
        refuse "set_connection_parameter_value: no connection `$c`"
    }
    if {[lindex $args 1] ni {baseAddress irqNumber arbitrationPriority defaultConnection}} {
        refuse "set_connection_parameter_value: parameter `[lindex $args 1]`"
    }
}
proc save_system {args} {
    record save_system {*}$args
    foreach n [lsort [array names ::inst]] {
        foreach {i kd} [ip_interfaces $n $::inst($n)] {
            lassign $kd k d
            if {$k in {clock reset} && $d eq "end" &&
                ![info exists ::connected($n.$i)] && ![info exists ::exported($n.$i)]} {
                refuse "save_system: $n.$i ($k input) is not connected"
            }
        }
    }
    set f [open [lindex $args 0] w]
    puts $f "placeholder written by quartus_stubs.tcl save_system"
    close $f
}

# add_interface / set_interface_property: a component's (in a _hw.tcl)
# before create_system, an export of the system after it
eval $::component_procs
rename add_interface component_add_interface
rename set_interface_property component_set_interface_property
proc add_interface {args} {
    if {$::system eq ""} {
        return [component_add_interface {*}$args]
    }
    record add_interface {*}$args
    set ::export([lindex $args 0]) ""
}
proc set_interface_property {args} {
    if {$::system eq ""} {
        return [component_set_interface_property {*}$args]
    }
    record set_interface_property {*}$args
    lassign $args n prop value
    if {![info exists ::export($n)]} {
        refuse "set_interface_property: no exported interface `$n`"
    }
    if {$prop eq "EXPORT_OF"} {
        endpoint $value
        set ::exported($value) $n
    }
}

set rc [catch {source $::script} e]
if {$rc} {
    puts $::log "ERROR $e"
    close $::log
    puts stderr $e
    exit 1
}
close $::log
